"""Operations on the database cluster: base backups, WAL archiving, restores and the restore drill; a
standby, failover and rejoin (issue 15)."""
