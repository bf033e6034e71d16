"""A minimal Django project serving django-helpdesk and its REST API, for bench/api_intake.py only
(run from its own virtualenv, var/bench/helpdesk-venv; never imported by xinfang)."""
