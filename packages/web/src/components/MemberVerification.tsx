/**
 * The verification marks of an encrypted conversation's member list (useVerification.ts):
 * a member's mark in words, a "Verify" button that opens the safety number, and above the
 * list the notices that a verified person's devices changed, or that this browser, not
 * being a device, keeps no verifications.
 */
import type { MemberView } from "@private-chat/sdk";
import type { MemberMark } from "../e2ee/verification.js";
import type { Verification } from "./useVerification.js";

const MARK_TEXT: Record<MemberMark, string> = {
  verified: "Verified",
  unverified: "Not verified",
  changed: "Not verified: devices changed",
  none: "No device for encrypted chats",
};

/** Above the list: what the marks below cannot say on their own. */
export function VerificationNotes(props: {
  verification: Verification;
  members: readonly MemberView[];
}) {
  const { marks, noDevice, error } = props.verification;
  if (noDevice)
    return (
      <p class="verify-note">
        Verifying people needs this browser to be one of your devices: make it one in{" "}
        <a href="#/settings">Settings</a>.
      </p>
    );
  if (error) return <p class="verify-note">Verification marks did not load: {error}</p>;
  const changed = props.members.filter((m) => marks?.[m.user.id] === "changed");
  if (changed.length === 0) return null;
  return (
    <ul class="verify-notices" aria-label="Verification notices">
      {changed.map((m) => (
        <li key={m.user.id}>
          {m.user.display_name}'s devices changed since you verified them: compare safety numbers
          again to verify {m.user.display_name}.
        </li>
      ))}
    </ul>
  );
}

/** A member's mark, in words (not a colour alone): a line under their name. */
export function VerificationMark({ mark }: { mark: MemberMark | undefined }) {
  if (mark === undefined) return null;
  return <span class={`member-sub verify-mark ${mark}`}>{MARK_TEXT[mark]}</span>;
}

/** Opens the safety number with a member who has a device. */
export function VerifyButton(props: {
  member: MemberView;
  mark: MemberMark | undefined;
  onVerify: () => void;
}) {
  if (props.mark === undefined || props.mark === "none") return null;
  return (
    <button
      type="button"
      class="small"
      aria-haspopup="dialog"
      aria-label={`Verify ${props.member.user.display_name}`}
      onClick={props.onVerify}
    >
      Verify
    </button>
  );
}
