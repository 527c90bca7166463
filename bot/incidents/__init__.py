"""Incident mode: an operator declares an outage or a market event (withdrawals delayed,
trading paused, extreme moves …); while it lasts the widget shows a status banner, the bot
answers matching questions with it first, and the desk groups the cases about it.

Not to be confused with bot/nlu/incidents.py, the detector of *security* incidents
(an account taken over, a secret given away): those stay P1 and are never folded into a
declared incident (bot/dialogue/policy.py applies the P1 rows before this one).

- templates: the shipped templates (responses/incidents.yml), read with file:line errors
- matching: pure: the active incident as a value, does a message match it, its banner
- store: the incidents table (the only owner), and a short per-process cache of the
  active incident so a turn does not read the database for it
- figures: pure: events per minute for the dashboard's spike chart
"""
