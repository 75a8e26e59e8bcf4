"""The pytest plugin (entry point pytest11 "c104test"): fixtures and steps."""
