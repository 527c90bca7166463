"""Rasa as a partner: a Rasa 3.x assistant uses our understanding (its NLU over HTTP) and
our human desk (through a rasa_sdk action server), and the desk's replies go back through
the Rasa channel the user came from. docs/rasa.md explains the whole loop."""

# The token Rasa presents to us: in endpoints.yml for the NLU (`nlu: token`) and the action
# server (`action_endpoint: token`); the action server presents it to our bridge API too.
TOKEN_ENV = "SUPPORTBOT_RASA_TOKEN"
# Where Rasa's HTTP API is (started with --enable-api), and Rasa's own --auth-token: the
# desk's replies go back through it.
URL_ENV = "SUPPORTBOT_RASA_URL"
AUTH_TOKEN_ENV = "RASA_AUTH_TOKEN"
CHANNEL = "rasa"
# The actions a Rasa assistant may call on `supportbot actions` (and nothing else).
ACTIONS = ("action_handoff", "action_answer_faq", "action_ticket_status",
           "action_security_checklist", "action_store_csat")
