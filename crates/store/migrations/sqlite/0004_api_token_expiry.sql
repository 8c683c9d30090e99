-- API tokens expire: a token forgotten in an agency system's configuration stops working on
-- its own. Tokens issued before this have none and keep working until revoked.
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
