"""nexus-tui: disaster-recovery readiness dashboard and runbook engine for AWS."""

__version__ = "0.1.0"
