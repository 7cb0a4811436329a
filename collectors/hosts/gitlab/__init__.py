"""GitLab groups and projects (gitlab.com or self-managed), read through the API."""
