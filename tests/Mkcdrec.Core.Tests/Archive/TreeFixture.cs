using System.Diagnostics;
using System.Text;

namespace Mkcdrec.Core.Tests.Archive;

/// <summary>
/// Test trees built with the system's own tools (mknod, setfattr, setfacl, ln, truncate, touch) and compared with a
/// walker that shares no code with mkcdrec: Python's os.lstat plus getfattr and getfacl output.
/// </summary>
internal static class TreeFixture
{
    public static bool IsRoot => Environment.UserName == "root" || Sh("id -u").Trim() == "0";

    /// <summary>A tree with every kind of entry the engine must keep. A tmpfs is mounted at mnt/ (unmount with <see cref="Cleanup"/>).</summary>
    public const string BuildScript = """
        set -e
        cd "$1"
        mkdir -p d/sub e mnt
        echo hello > f
        head -c 300000 /dev/zero | tr '\0' 'a' > compressible
        head -c 3000000 /dev/urandom > rnd
        head -c 9000000 /dev/urandom > large      # restored around the page cache: two whole 4 MiB blocks, then a tail
        head -c 4194304 /dev/urandom > exact4m    # exactly one direct block, no tail
        setfattr -n user.bin -v 0x0102ff00fe f
        setfattr -n user.text -v "some text" f
        setfattr -n trusted.t -v tval f
        setfattr -n security.capability -v 0x0100000200200000000000000000000000000000 rnd
        setfacl -m u:1234:r,g:5:rw f
        setfacl -m u:99:rwx d
        setfacl -d -m u:7:rx,g:8:r d
        ln f hardlink
        ln -s /abs/target abslink
        ln -s ../f d/rellink
        ln -s "$(printf 'T%.0s' $(seq 1 150))" longlink
        mkfifo fifo
        mknod cdev c 1 3
        mknod bdev b 7 200
        touch $'bad\xff\xfename'
        mkdir $'dir\xc3'
        echo y > $'dir\xc3/in\xfe'
        truncate -s 20M sparse
        printf 'middle' | dd of=sparse bs=1 seek=5000000 conv=notrunc status=none
        printf 'end' | dd of=sparse bs=1 seek=20971000 conv=notrunc status=none
        printf 'start' > holeyend
        truncate -s 8M holeyend
        long1=$(printf 'L%.0s' $(seq 1 120)); long2=$(printf 'M%.0s' $(seq 1 150))
        mkdir -p "$long1/$long2"
        echo deep > "$long1/$long2/file"
        chown 1000:1000 f
        chown 2001:3001 cdev
        chown -h 4001:4002 abslink
        chmod 4755 rnd
        chmod 2710 d/sub
        chmod 1777 e
        setfattr -h -n trusted.onlink -v linkval abslink
        python3 -c "import socket; s=socket.socket(socket.AF_UNIX); s.bind('sock')"
        mount -t tmpfs -o size=1M tmpfs mnt
        echo inside > mnt/not-archived
        touch -h -d '2001-02-03 04:05:06.123456789' abslink
        touch -d '1999-12-31 23:59:59.987654321' f
        touch -d '1965-05-06 07:08:09.5' e
        touch -d '2010-01-01 00:00:00.25' d/sub d "$long1/$long2" "$long1" $'dir\xc3'
        """;

    /// <summary>Python: one line per entry (not crossing mounts, sockets skipped), then getfattr and getfacl output.</summary>
    private const string SnapshotScript = """
        import os, sys, stat, hashlib, subprocess
        root = b'.'
        dev = os.lstat(root).st_dev
        out = []
        paths = []
        inodes = {}
        def walk(p):
            for name in sorted(os.listdir(p)):
                q = os.path.join(p, name)
                st = os.lstat(q)
                if stat.S_ISSOCK(st.st_mode):
                    continue
                visit(q, st)
                if stat.S_ISDIR(st.st_mode) and st.st_dev == dev:
                    walk(q)
        def visit(q, st):
            m = st.st_mode
            line = [repr(q), oct(m), str(st.st_uid), str(st.st_gid), str(st.st_mtime_ns)]
            if not stat.S_ISDIR(m) and st.st_nlink > 1:
                first = inodes.setdefault(st.st_ino, q)
                line.append('link-group=' + repr(first))
            if stat.S_ISREG(m):
                h = hashlib.sha256()
                with open(q, 'rb') as f:
                    for b in iter(lambda: f.read(1 << 20), b''):
                        h.update(b)
                line += ['size=%d' % st.st_size, h.hexdigest()]
                if st.st_blocks * 512 < st.st_size:
                    line.append('sparse')
            if stat.S_ISLNK(m):
                line.append('-> ' + repr(os.readlink(q)))
            if stat.S_ISCHR(m) or stat.S_ISBLK(m):
                line.append('dev=%d,%d' % (os.major(st.st_rdev), os.minor(st.st_rdev)))
            out.append(' '.join(line))
            paths.append(q)
        visit(root, os.lstat(root))
        walk(root)
        sys.stdout.write('\n'.join(out) + '\n')
        sys.stdout.flush()
        x = subprocess.run([b'getfattr', b'-h', b'-d', b'-m', b'-', b'-e', b'hex', b'--absolute-names'] + paths, capture_output=True)
        sys.stdout.buffer.write(x.stdout)
        nolinks = [p for p in paths if not os.path.islink(p)]
        a = subprocess.run([b'getfacl', b'-n', b'-P', b'--absolute-names'] + nolinks, capture_output=True)
        sys.stdout.buffer.write(a.stdout)
        """;

    public static string NewTempDir()
    {
        var d = Path.Combine("/tmp", "mkcdrec-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(d);
        return d;
    }

    public static void Build(string dir) => Run("bash", ["-c", BuildScript, "build", dir]);

    public static string Snapshot(string dir) => Run("python3", ["-c", SnapshotScript], dir);

    /// <summary>Unmounts anything under <paramref name="dir"/> and removes it.</summary>
    public static void Cleanup(string dir)
    {
        Sh($"grep -o ' {dir}[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l; rm -rf '{dir}'");
    }

    public static string Sh(string script, string? cwd = null) => Run("bash", ["-c", script], cwd);

    public static string Run(string program, string[] args, string? cwd = null)
    {
        var (code, stdout, stderr) = TryRun(program, args, cwd);
        if (code != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args.Take(3))} failed ({code}): {stderr}");
        }

        return stdout;
    }

    public static (int Code, string Stdout, string Stderr) TryRun(string program, string[] args, string? cwd = null)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = cwd ?? "/",
            StandardOutputEncoding = Encoding.Latin1,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["LC_ALL"] = "C";
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var o = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, o, err.Result);
    }
}
