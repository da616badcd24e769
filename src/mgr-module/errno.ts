// Errno values a command returns negated (`[-Errno.EINVAL, '', 'why']`), as Ceph's
// handle_command does. Linux numbering, the one the ceph CLI prints.

export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  EAGAIN: 11,
  EACCES: 13,
  EBUSY: 16,
  EEXIST: 17,
  EINVAL: 22,
  ENOSPC: 28,
  ERANGE: 34,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ENODATA: 61,
  EPROTO: 71,
  EOPNOTSUPP: 95,
  ETIMEDOUT: 110,
} as const;

export type ErrnoName = keyof typeof Errno;
