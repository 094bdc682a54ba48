"""The RGPD data lifecycle: retention, pseudonymisation of departed families, and the right of access."""
