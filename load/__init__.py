"""The stress client (`autoforge stress`) and the HPA simulator (`autoforge hpa-sim`)."""
