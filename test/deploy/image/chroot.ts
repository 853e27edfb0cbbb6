// Runs a program of a mounted image the way a container runtime would start it, with the
// tools of util-linux: its own mount namespace (gone when the program ends), a minimal /dev,
// /proc, a volume bound at its mount point, the image's environment only, and chroot into the
// image as the image's user with its supplementary groups dropped. The root stays read-only,
// like Kubernetes' readOnlyRootFilesystem.
import type { ImageConfig } from './podman.js';

/** `uid:gid` of an image's USER; a name would need the image's /etc/passwd, and is refused. */
export function numericUser(config: ImageConfig): { uid: number; gid: number } {
  const m = /^(\d+)(?::(\d+))?$/.exec(config.User);
  if (!m) throw new Error(`USER ${JSON.stringify(config.User)} is not numeric uid[:gid]`);
  return { uid: Number(m[1]), gid: Number(m[2] ?? m[1]) };
}

// $1 image root, $2 volume directory on this machine, $3 its mount point in the image.
const SET_UP = `set -eu
root=$1 volume=$2 target=$3
shift 3
mount -t tmpfs -o mode=0755,nosuid tmpfs "$root/dev"
for node in null zero full random urandom; do
  touch "$root/dev/$node"
  mount --bind "/dev/$node" "$root/dev/$node"
done
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
mount --bind "$volume" "$root$target"
exec "$@"`;

export interface ChrootRun {
  /** The mounted image. */
  root: string;
  config: ImageConfig;
  /** Directory of this machine mounted at the image's volume. */
  volume: string;
  /** The command, as ENTRYPOINT + CMD would be. */
  argv: string[];
}

/** The argv that starts `run.argv` in the image; the program keeps the pid of the first process. */
export function chrootArgv(run: ChrootRun): string[] {
  const volumes = Object.keys(run.config.Volumes ?? {});
  if (volumes.length !== 1) throw new Error(`expected one VOLUME, the image has ${volumes.length}`);
  const { uid, gid } = numericUser(run.config);
  const namespace = ['unshare', '--mount', '--propagation', 'private', '--'];
  const setUp = ['sh', '-c', SET_UP, 'sh', run.root, run.volume, volumes[0]!];
  const environment = ['env', '-i', ...run.config.Env];
  const workdir = run.config.WorkingDir || '/';
  const enter = ['unshare', `--root=${run.root}`, `--wd=${workdir}`, `--setgid=${gid}`, `--setuid=${uid}`, '--'];
  return [...namespace, ...setUp, ...environment, ...enter, ...run.argv];
}
