/** An outbound call the egress guard would not make (or stopped): `reason` says why, for the tenant and the log. */
export class EgressRefusedError extends Error {
  constructor(readonly reason: string) {
    super(`egress refused: ${reason}`);
    this.name = new.target.name;
  }
}
