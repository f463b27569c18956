"""The deployment file's shape and its validation.

The file is YAML (see deployment.example.yml). Its path comes from the ASB_DEPLOYMENT environment
variable, or defaults to deployment.example.yml in the project folder (asb/env.py), so `make run`
works with no set-up. Secrets are never in the file: it names the environment variables that hold
them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml
from pydantic import BaseModel, Extra, Field, ValidationError, root_validator, validator

from asb import env
from eligibility import EligibilityError, Nation, Policy, resolve_policy
from languages import CODES

ROOT = env.project_root()
DEFAULT_FILE = ROOT / "deployment.example.yml"
LANGUAGES = CODES  # the languages a deployment may offer: the registry's (languages/)


class DeploymentError(ValueError):
    """The deployment file is missing or wrong; the message names the key."""


class _Model(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False


# Words the deployment gives that the assistant says: one text, or one per language
# ({"en": "...", "cy": "..."}); a conversation gets its language's, else English's (`in_language`).
Localised = str | dict[str, str]


def _localised(value: Localised) -> Localised:
    if isinstance(value, dict):
        unknown = [code for code in value if code not in LANGUAGES]
        if unknown:
            raise ValueError(f"unknown language {unknown[0]!r}; use codes from "
                             f"{', '.join(LANGUAGES)}")
        if "en" not in value:
            raise ValueError("give the English text too (en): it is said where a language "
                             "has none")
        if not all(isinstance(text, str) and text.strip() for text in value.values()):
            raise ValueError("every language's text must be a non-empty string")
    return value


def in_language(value: Localised, language: str) -> str:
    """The text for a conversation in `language`: its own, else the English one."""
    if isinstance(value, str):
        return value
    return value.get(language) or value["en"]


class Contact(_Model):
    """How to reach a person at the lead agency."""

    phone: str
    textphone: str | None = None  # e.g. "18001 then 01234 567890" (Relay UK)
    email: str | None = None
    post: str | None = None
    opening_hours: Localised
    website: str | None = None
    report_online_url: str | None = None  # where to report a new incident
    complaints_url: str | None = None  # the agency's complaints procedure

    _opening_hours = validator("opening_hours", allow_reuse=True)(_localised)


class LeadAgency(_Model):
    name: str
    contact: Contact


class Procedure(_Model):
    """Timescales from the area's published procedure, in working days."""

    acknowledge_working_days: int = Field(2, ge=1, le=30)
    threshold_decision_working_days: int = Field(10, ge=1, le=60)
    review_meeting_working_days: int = Field(20, ge=1, le=90)
    escalation_request_working_days: int = Field(20, ge=1, le=90)
    escalation_to: str  # who hears an escalation, e.g. "the Police and Crime Commissioner"
    # The escalation procedure in full (window, route, stages): see Escalation. When it is not
    # given, the window is escalation_request_working_days and the request goes to the lead
    # agency, which passes it on.
    escalation: Escalation | None = None


class SupportService(_Model):
    name: Localised
    description: Localised
    phone: str | None = None
    url: str | None = None

    _words = validator("name", "description", allow_reuse=True)(_localised)


class WebhookDelivery(_Model):
    url: str
    secret_env: str  # the environment variable holding the HMAC secret


class EmailDelivery(_Model):
    to: str
    sender: str
    smtp_host: str = "localhost"
    smtp_port: int = 25
    starttls: bool = True
    username_env: str | None = None
    password_env: str | None = None


class HandoffDelivery(_Model):
    """How the delivery worker retries (see docs/handoff.md)."""

    max_attempts: int = Field(12, ge=1, le=100)  # the retry budget per delivery
    backoff_initial_seconds: float = Field(30.0, gt=0)  # wait after the first failure
    backoff_max_seconds: float = Field(3600.0, gt=0)  # the longest wait between attempts
    poll_interval_seconds: float = Field(2.0, gt=0)  # how often the outbox is read
    lease_seconds: float = Field(120.0, gt=0)  # a delivery claimed this long ago is tried again
    timeout_seconds: float = Field(15.0, gt=0)  # per webhook request or SMTP session


class HandoffSession(_Model):
    cookie_name: str = "asb_inbox_session"
    cookie_secure: bool = True  # send the cookie over HTTPS only (browsers allow localhost)
    lifetime_minutes: int = Field(480, ge=5, le=10080)


class HandoffStatus(_Model):
    """Wrong guesses at "where is my application?" (and the escalation request), counted in the
    database: this many within the window per client, and per reference, then a pause (429)."""

    window_minutes: int = Field(60, ge=1, le=1440)
    client_attempts: int = Field(10, ge=1, le=1000)
    reference_attempts: int = Field(5, ge=1, le=100)


class HandoffFigures(_Model):
    """The statutory figures as the inbox shows and exports them: a count from 1 to
    suppress_below - 1 is shown as "fewer than <suppress_below>" (0: every count shown)."""

    suppress_below: int = Field(5, ge=0, le=100)


class HandoffSecondReport(_Model):
    """The 2nd-report offer (docs/after-applying.md): the page the assistant is on, which the
    link opens with the incidents filled in, and how long a link lasts (never longer than
    retention_days)."""

    assistant_url: str | None = Field(None, regex=r"^https?://[^\s#]+$")  # None: no link
    link_days: int = Field(14, ge=1, le=90)


class Handoff(_Model):
    """The handoff service (`python -m handoff serve`)."""

    host: str = "127.0.0.1"
    port: int = Field(5056, ge=1, le=65535)
    data_dir: str = "data"  # relative to the working directory
    database_url: str | None = None  # SQLAlchemy URL without a password; default SQLite
    database_url_env: str = "ASB_HANDOFF_DATABASE_URL"  # env var with a URL/DSN; wins when set
    # At start: bring the schema to this version (the embedded default), or, when false, refuse
    # to start while the database is behind (`python -m handoff migrate` is then a release step).
    migrate_at_start: bool = True
    intake_token_env: str = "ASB_HANDOFF_INTAKE_TOKEN"
    intake_token_file: str = "intake-token"  # in data_dir; made at start when the env var is unset
    max_body_bytes: int = Field(262144, ge=1024)
    retention_days: int | None = Field(730, ge=1)  # then personal data is erased; None: never
    delivery: HandoffDelivery = HandoffDelivery()
    session: HandoffSession = HandoffSession()
    status: HandoffStatus = HandoffStatus()
    figures: HandoffFigures = HandoffFigures()
    second_report: HandoffSecondReport = HandoffSecondReport()


class Delivery(_Model):
    webhook: WebhookDelivery | None = None
    email: EmailDelivery | None = None


class EscalationStage(_Model):
    """One stage the escalation procedure promises, in working days from the day the reviewing
    body is notified, or from the end of the stage before."""

    working_days: int = Field(..., ge=1, le=90)
    counted_from: str = Field("previous_stage", regex=r"^(notified|previous_stage)$")
    what: str  # what happens by then, e.g. "an officer is appointed"


# The OPCC's stages in Devon & Cornwall: 5 and 10 working days from notification (stage 1 falls
# within stage 2), then 15 and 10: 35 working days in all.
OPCC_STAGES = (
    {"working_days": 5, "counted_from": "notified",
     "what": "An officer is appointed and asks the lead organisation for the documents"},
    {"working_days": 10, "counted_from": "notified",
     "what": "The documents and the applicant's reasons have been received"},
    {"working_days": 15, "counted_from": "previous_stage",
     "what": "The officer's report is ready for the Police and Crime Commissioner"},
    {"working_days": 10, "counted_from": "previous_stage",
     "what": "The Police and Crime Commissioner writes to everyone with the decision"},
)
ESCALATION_ROUTES = ("lead_agency", "opcc", "community_safety_partnership")


class EscalationRecipient(_Model):
    """Who receives escalation requests sent straight to them (routes opcc and
    community_safety_partnership), and how they reach it."""

    name: str
    delivery: Delivery


class Escalation(_Model):
    """How an applicant asks for the review to be looked at again (Schedule 4 to the 2014 Act)."""

    # The window after the applicant is told the outcome: calendar weeks or working days (one).
    window_weeks: int | None = Field(None, ge=1, le=26)
    window_working_days: int | None = Field(None, ge=1, le=90)
    # lead_agency: the request goes to the lead agency (its delivery channels), which passes it
    # on; opcc or community_safety_partnership: straight to the recipient below.
    route: str = "lead_agency"
    recipient: EscalationRecipient | None = None
    stages: list[EscalationStage] = Field(
        default_factory=lambda: [EscalationStage(**stage) for stage in OPCC_STAGES])

    @root_validator(skip_on_failure=True)
    def _consistent(cls, values: dict) -> dict:
        if (values["window_weeks"] is None) == (values["window_working_days"] is None):
            raise ValueError("give exactly one of window_weeks (e.g. 4) and "
                             "window_working_days (e.g. 20)")
        if values["route"] not in ESCALATION_ROUTES:
            raise ValueError(f"route must be one of {', '.join(ESCALATION_ROUTES)}, not "
                             f"{values['route']!r}")
        recipient = values["recipient"]
        if values["route"] != "lead_agency" and (
                recipient is None or not (recipient.delivery.webhook or recipient.delivery.email)):
            raise ValueError(f"route {values['route']} sends requests straight to the "
                             "recipient: give recipient.name and recipient.delivery (a webhook "
                             "or an email)")
        if values["route"] == "lead_agency" and recipient is not None:
            raise ValueError("route lead_agency sends requests to the lead agency: remove "
                             "recipient, or choose route opcc or community_safety_partnership")
        if not values["stages"] or values["stages"][0].counted_from != "notified":
            raise ValueError("stages: the first stage is counted from the day the reviewing "
                             "body is notified (counted_from: notified)")
        return values


class Area(_Model):
    id: str = Field(..., regex=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    nation: Nation = Nation.ENGLAND_AND_WALES
    policy: str = "statutory-default"  # a policy id under eligibility/policies, or a YAML file
    lead_agency: LeadAgency
    partner_agencies: list[str] = Field(..., min_items=1)
    procedure: Procedure
    support_services: list[SupportService] = []
    delivery: Delivery = Delivery()

    @validator("policy")
    def _known_policy(cls, value: str) -> str:
        try:
            resolve_policy(value)
        except EligibilityError as exc:
            raise ValueError(exc.message) from None
        return value

    @property
    def threshold_policy(self) -> Policy:
        return resolve_policy(self.policy)


Procedure.update_forward_refs(Escalation=Escalation)


class WidgetTheme(_Model):
    """The widget's look by default; a host page can still override the CSS custom properties."""

    colour: str = Field("#1d70b8", regex=r"^#[0-9a-fA-F]{6}$")  # header, launcher and buttons
    text_colour: str = Field("#ffffff", regex=r"^#[0-9a-fA-F]{6}$")  # text on that colour
    logo_url: str | None = None  # an https:// (or same-origin /path) image shown in the header
    agency_name: str | None = None  # shown under the title; else the first lead agency's name


class Widget(_Model):
    """The web widget: which sites may embed it, where it finds Rasa, how it looks."""

    # Origins (scheme://host[:port]) of the websites allowed to embed the widget (CORS).
    allowed_origins: list[str] = []
    # The Rasa server as the browser reaches it (its REST channel is under /webhooks/rest/webhook).
    rasa_url: str = "http://localhost:5005"
    # Where "Exit this page" sends the user: a neutral site.
    exit_url: str = "https://www.bbc.co.uk/weather"
    theme: WidgetTheme = WidgetTheme()

    @validator("allowed_origins", each_item=True)
    def _origin(cls, value: str) -> str:
        if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?", value):
            raise ValueError(f"{value!r} is not an origin like https://www.example.gov.uk")
        return value

    @validator("rasa_url", "exit_url")
    def _http_url(cls, value: str) -> str:
        value = value.rstrip("/") if value.count("/") <= 3 else value
        if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value


class Limits(_Model):
    """The public edge: Rasa's input channels (assistant/channels); how long run logs are kept."""

    # The longest message a user may send, in characters. The assistant keeps free-text answers
    # of up to 5,000 characters, so the limit is never below that.
    message_characters: int = Field(5000, ge=5000, le=100000)
    # Messages one conversation may send per minute (a burst of this many, then one every
    # 60/N seconds); more get 429 with Retry-After.
    conversation_messages_per_minute: int = Field(60, ge=1)
    # Requests one client address may make to the channels per minute, all conversations
    # together (people behind one office or library address share it).
    address_requests_per_minute: int = Field(600, ge=1)
    # `make run` deletes its run logs (data/runs/<time>/) older than this.
    run_logs_days: int = Field(14, ge=1)


class Deployment(_Model):
    service_name: str
    languages: list[str] = Field(["en", "cy"], min_items=1)
    default_language: str = "en"
    areas: list[Area] = Field(..., min_items=1)
    # Further sections (handoff, widget) are added by the packages that read them.
    handoff: Handoff = Handoff()
    widget: Widget = Widget()
    limits: Limits = Limits()

    @validator("languages", each_item=True)
    def _known_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"unknown language {value!r}; use codes from {', '.join(LANGUAGES)}")
        return value

    @root_validator(skip_on_failure=True)
    def _consistent(cls, values: dict) -> dict:
        if values["default_language"] not in values["languages"]:
            raise ValueError("default_language must be one of languages")
        ids = [area.id for area in values["areas"]]
        if len(set(ids)) != len(ids):
            raise ValueError("two areas share an id")
        return values

    def area(self, area_id: str | None = None) -> Area:
        """The area with this id; the first area when none is given."""
        if area_id is None:
            return self.areas[0]
        for area in self.areas:
            if area.id == area_id:
                return area
        raise KeyError(area_id)


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"] if part != "__root__") or "file"
    return f"{where}: {error['msg']}"


def load_deployment(path: str | os.PathLike | None = None) -> Deployment:
    """Read and validate the deployment file (ASB_DEPLOYMENT, or the example file)."""
    file = Path(path or env.get("ASB_DEPLOYMENT") or DEFAULT_FILE)
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DeploymentError(f"deployment file {file}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise DeploymentError(f"deployment file {file} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise DeploymentError(f"deployment file {file}: must be a YAML mapping")
    try:
        return Deployment.parse_obj(data)
    except ValidationError as exc:
        raise DeploymentError(f"deployment file {file}: {_first_error(exc)}") from None


