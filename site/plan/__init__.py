"""The plan itself: its text, measures, 专栏 boxes, indicators, projects and departments."""
