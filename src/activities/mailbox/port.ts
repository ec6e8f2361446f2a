/** A mailbox as the mail system reports it. No address: that is the directory's business. */
export interface MailboxInfo {
  userId: string;
  quotaGb: number;
  /** The request that created it (the onboarding workflow id), when the engine created it. */
  createdBy?: string;
}

/**
 * The mail system (Exchange Online, Google Workspace): mailboxes of directory accounts. Adapters
 * make both changes idempotent: creating an existing mailbox or deleting a missing one succeeds
 * and says so.
 */
export interface MailboxPort {
  /**
   * Creates the mailbox of `userId`. `created` is true when this call, or an earlier one with the
   * same `createdBy`, made it (so a retried request still knows it owns the mailbox); false when
   * the mailbox was there before.
   */
  createMailbox(userId: string, options: { quotaGb: number; createdBy?: string }): Promise<{ created: boolean }>;
  /**
   * Deletes the mailbox. With `createdBy`, only a mailbox that request created is deleted (an undo
   * never removes a mailbox that existed before it).
   */
  deleteMailbox(userId: string, options?: { createdBy?: string }): Promise<{ deleted: boolean }>;
  mailbox(userId: string): Promise<MailboxInfo | null>;
}
