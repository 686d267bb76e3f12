/**
 * File attachments (issue 6): `PostAttachments` renders a post's files under its message (images
 * inline with a viewer, other files as download cards); `ComposerAttachments` sits in the
 * composer's toolbar (button, drag and drop, paste; progress and cancel) and reports uploaded file
 * ids through `onChange` (the composer sends them as `file_ids`). Implemented in web/src/files/.
 */
export { PostAttachments, ComposerAttachments } from '../files/attachments.tsx';
