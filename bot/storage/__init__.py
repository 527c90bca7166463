"""Persistent artefacts: trained models (model_store)."""
