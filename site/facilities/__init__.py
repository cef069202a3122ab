"""Places residents go to (服务场所), their townships, opening hours and measured accessibility."""
