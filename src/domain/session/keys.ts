/** The sessions table's key (coordination_uuid, session_uuid), built in one place. */
export type SessionKey = {
  readonly coordination_uuid: string;
  readonly session_uuid: string;
};

export const sessionKey = (coordinationUuid: string, sessionUuid: string): SessionKey => ({
  coordination_uuid: coordinationUuid,
  session_uuid: sessionUuid,
});

/** The key of the session a row belongs to (a SessionAgent, a message, a session). */
export const sessionKeyOf = (row: { coordination_uuid: string; session_uuid: string }): SessionKey =>
  sessionKey(row.coordination_uuid, row.session_uuid);
