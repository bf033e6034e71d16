"""Write services of petition matters: intake (registration), triage and routing."""
