"""The ASGI server: HTTP API, metrics, and (later) the widget, console and Telegram."""
