/**
 * Where each member of an encrypted conversation stands for this browser's device:
 * verified, not verified, or verified before their devices changed (e2ee/verification.ts,
 * loaded on demand with the MLS code). Looked up when the member list opens and again
 * after a verification; verification is the device's own record, so a browser that is
 * not a device gets no marks, only `noDevice`.
 */
import { useEffect, useState } from "preact/hooks";
import { errorText } from "../api.js";
import { deviceHere, deviceOf } from "../e2ee/opened.js";
import type { MemberMark } from "../e2ee/verification.js";
import type { Conv } from "../state/chat.js";
import { useStore } from "../state/store.js";

export interface Verification {
  /** By user id, every member but oneself; null while loading or without a device here. */
  marks: Record<string, MemberMark> | null;
  /** An encrypted conversation on a browser that is not one of the person's devices. */
  noDevice: boolean;
  error: string | null;
  /** Looks again, after a verification. */
  reload: () => void;
}

export function useVerification(conv: Conv, me: string | undefined): Verification {
  const device = deviceOf(
    useStore(deviceHere, (d) => d),
    me,
  );
  const [marks, setMarks] = useState<Record<string, MemberMark> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [round, setRound] = useState(0);
  // A string, so the lookup runs again when the members change, not on every render.
  const others = conv.members
    .map((m) => m.user.id)
    .filter((id) => id !== me)
    .sort()
    .join(",");

  useEffect(() => {
    setError(null);
    if (!conv.encrypted || !me || !device) {
      setMarks(null);
      return;
    }
    // The marks shown stay until the new ones come (by user id, they hold whatever the
    // conversation): the Verify button just pressed keeps its place and focus.
    let live = true;
    import("../e2ee/verification.js")
      .then(({ memberMarks }) => memberMarks(me, others ? others.split(",") : []))
      .then(
        (found) => live && setMarks(found),
        (err: unknown) => live && setError(errorText(err)),
      );
    return () => {
      live = false;
    };
  }, [conv.encrypted, me, device, others, round]);

  return {
    marks,
    noDevice: conv.encrypted === true && device === null,
    error,
    reload: () => setRound((r) => r + 1),
  };
}
