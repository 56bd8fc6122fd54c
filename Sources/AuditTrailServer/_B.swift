import AuditTrail
