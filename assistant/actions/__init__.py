"""The action server (rasa_sdk): one module per concern.

- `messages`: every bot message, rendered from the catalogs in the conversation's language
- `choices`: the buttons of every question and reading a choice back (clicked or typed)
- `service`: the deployment (area, contacts, procedure), the clock, and where the handoff
  service is and its token
- `language`: the `language` slot (page metadata, first message, switching)
- `answers`: explaining the case review, triage, stop and restart
- `eligibility_form`, `application_form`: the two forms, their questions and validation; the
  application form ends with consent and the summary where any answer can be changed
- `summary`: that summary, its "Change" buttons and what each one empties
- `incident_answers`: the incident questions' validators, which both forms take
- `questions`: asking a form's questions (the `action_ask_*` actions) and taking the answer
- `submission`: the application document and the handoff intake API
- `prefill`: a 2nd-report link's incidents (taken by the greeting), filled in for the check
- `status`: "where is my application?": the status form and the handoff status check
- `escalation`: asking for the case review to be looked at again: the escalation form (the
  reference and postcode checked, the grounds, the reasons, consent) and sending it
"""
