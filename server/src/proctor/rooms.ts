/**
 * Socket.IO room names of the proctoring feature (rooms are per process; the Redis adapter and
 * emitter fan a broadcast out to every gateway).
 */

/** Proctor sockets join the rooms of their scope; each center's delta goes to all three. */
export const proctorRooms = {
  sitting: (sittingId: string) => `proctor:sitting:${sittingId}`,
  district: (sittingId: string, districtId: string) => `proctor:district:${sittingId}:${districtId}`,
  center: (sittingId: string, centerId: string) => `proctor:center:${sittingId}:${centerId}`,
};

/** Candidate sockets join these besides their attempt's room, for messages to a center or the sitting. */
export const candidateRooms = {
  center: (sittingId: string, centerId: string) => `center:${sittingId}:${centerId}`,
  sitting: (sittingId: string) => `sitting:${sittingId}`,
};

/** Where a candidate sits: enough to route a proctor delta and to check a proctor's scope. */
export interface AttemptScope {
  sittingId: string;
  candidateId: string;
  centerId: string;
  districtId: string;
}
