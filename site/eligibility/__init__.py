"""我能申请什么: which of the plan's services may fit a resident, and why (see views.py)."""
