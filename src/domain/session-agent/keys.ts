/** The session_agents table's key (session_uuid, session_agent_uuid), built in one place. */
export type SessionAgentKey = {
  readonly session_uuid: string;
  readonly session_agent_uuid: string;
};

export const sessionAgentKey = (sessionUuid: string, sessionAgentUuid: string): SessionAgentKey => ({
  session_uuid: sessionUuid,
  session_agent_uuid: sessionAgentUuid,
});

export const sessionAgentKeyOf = (row: SessionAgentKey): SessionAgentKey =>
  sessionAgentKey(row.session_uuid, row.session_agent_uuid);
