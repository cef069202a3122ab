"""Editing content: the editor's forms, revisions, authoring checks, publishing and
scheduling, and uploaded images and documents."""
