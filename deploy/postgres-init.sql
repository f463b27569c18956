-- Run by the postgres image on its first start (deploy/compose.yml): the tracker store's database
-- beside the handoff service's (POSTGRES_DB, asb). Two databases, two backups (docs/deploy.md).
CREATE DATABASE asb_tracker OWNER asb;
