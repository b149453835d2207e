"""Operations: base backups, WAL archiving, restores and the restore drill (issue 15)."""
