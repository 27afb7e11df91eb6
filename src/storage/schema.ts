/**
 * Table types as the application sees them. Migrations never import this file: they are
 * frozen in time and speak Kysely<any>.
 */
export interface UsersTable {
  id: string;
  username: string;
  username_lower: string;
  display_name: string;
  password_hash: string;
  is_admin: number;
  disabled: number;
  created_at: number;
  last_seen_at: number | null;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  user_agent: string;
  ip: string;
  revoked_at: number | null;
}

export interface InvitesTable {
  id: string;
  code_hash: string;
  created_by: string | null;
  created_at: number;
  expires_at: number | null;
  used_by: string | null;
  used_at: number | null;
  revoked_at: number | null;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  invites: InvitesTable;
}
