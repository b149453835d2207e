"""Operations on the database cluster: standby, failover, rejoin."""
