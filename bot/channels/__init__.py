"""Channel adapters: thin layers that turn a platform's updates into engine turns and send
the replies back. The web widget lives in bot/server/web_widget.py; Telegram is here."""
