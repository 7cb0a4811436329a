"""Monitoring and incident tools read through their APIs: Datadog, PagerDuty, Prometheus."""
