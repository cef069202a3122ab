"""Staff accounts: signing in and out, sessions, passwords, the sign-in limits, the audit
log, and the admin's pages for accounts."""
