"""Ways to reach a person (无障碍服务联系方式): channels, their hours and the needs they serve."""
