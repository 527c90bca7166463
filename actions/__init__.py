"""The things the bot does, in the rasa_sdk Action shape: name() and run(dispatcher,
tracker, domain) returning events. Side effects (queueing, storing a score) live here."""
