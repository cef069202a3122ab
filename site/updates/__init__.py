"""Updates (通知公告, 工作动态): the public list, pages and Atom feed."""
