using static Mkcdrec.SystemTests.Capture.GuestSections;

namespace Mkcdrec.SystemTests.Recover;

/// <summary>
/// Every keyslot of a LUKS container comes back from an encrypted backup: a LUKS2 container with two keys (argon2id and
/// PBKDF2 keyslots) and ext4 on it, backed up with `mkbackuponly --encrypt`, its disk wiped, recovered onto another disk
/// with only the second key given; then cryptsetup's own luksDump is byte-identical to the original's, both keys open it
/// and the data is back (sha256sum). Nothing of the headers is left in /run.
/// </summary>
[Collection("recreate")]
public sealed class LuksKeyslotsSystemTests(RecreateGuestFixture fixture)
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(12);

    private const string Build = """
        sgdisk -n1:1M:+400M -t1:8309 -c1:lk $SCRATCH0 >/dev/null
        partx -u $SCRATCH0 2>/dev/null || true; udevadm settle
        printf 'first-key' > /tmp/lk-first.key; printf 'second-key' > /tmp/lk-second.key; printf 'backup-pass' > /tmp/lk-backup.pass
        cryptsetup luksFormat --batch-mode --type luks2 --label lkhdr --pbkdf argon2id --pbkdf-memory 32 --pbkdf-force-iterations 4 --pbkdf-parallel 1 --key-file /tmp/lk-first.key ${SCRATCH0}1
        cryptsetup luksAddKey --batch-mode --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file /tmp/lk-first.key ${SCRATCH0}1 /tmp/lk-second.key
        cryptsetup open ${SCRATCH0}1 lkdata --key-file /tmp/lk-first.key
        mkfs.ext4 -q -L lkfs /dev/mapper/lkdata
        mkdir -p /mnt/lk; mount /dev/mapper/lkdata /mnt/lk; head -c 4M /dev/urandom > /mnt/lk/blob; sync
        sha256sum < /mnt/lk/blob > /tmp/lk-blob.sha
        cryptsetup luksDump ${SCRATCH0}1 > /tmp/lk-dump.txt
        mkcdrec layout save --disk $SCRATCH0 -o /tmp/src-lk.json >/dev/null
        rm -rf /tmp/lk-backup
        mkcdrec mkbackuponly --layout /tmp/src-lk.json --dest /tmp/lk-backup --encrypt --passphrase-file /tmp/lk-backup.pass --level 1 >/tmp/lk-backup.out 2>&1 || { cat /tmp/lk-backup.out; exit 1; }
        umount /mnt/lk; cryptsetup close lkdata
        """;

    [Fact]
    public void An_encrypted_backup_brings_back_every_keyslot()
    {
        RecreateSystemTests.EnsureSource(fixture, "luks-keyslots", Build);
        var vm = fixture.Vm;
        fixture.WipeDisks();

        // Only the second key is given: the recovery must not need the first, and the first must open the result too.
        var r = vm.Run(
            Section("RECOVER", "mkcdrec recover --backup /tmp/lk-backup --layout /tmp/src-lk.json --map $SCRATCH0=$SCRATCH2 --yes --unattended " +
                               "--key-file /tmp/lk-second.key --passphrase-file /tmp/lk-backup.pass --journal /tmp/journal-lk.json --log /tmp/recover-lk.log 2>&1; echo \"exit $?\"") +
            Section("LEFT", "ls -d /run/mkcdrec-luks-headers-* /tmp/mkcdrec-luks-headers-* 2>/dev/null | wc -l") +
            Section("CLOSE", "findmnt -rn -o TARGET | grep '^/mnt/local' | sort -r | xargs -r umount 2>&1; cryptsetup close lkdata 2>&1; echo closed") +
            Section("DUMP", "cryptsetup luksDump ${SCRATCH2}1 | diff /tmp/lk-dump.txt - && echo identical") +
            Section("FIRST", "cryptsetup open --test-passphrase --key-file /tmp/lk-first.key ${SCRATCH2}1 2>&1; echo \"first $?\"") +
            Section("SECOND", "cryptsetup open --test-passphrase --key-file /tmp/lk-second.key ${SCRATCH2}1 2>&1; echo \"second $?\"") +
            Section("BLOB", "cryptsetup open ${SCRATCH2}1 lkcheck --key-file /tmp/lk-first.key && mkdir -p /mnt/lkcheck && mount -o ro /dev/mapper/lkcheck /mnt/lkcheck && " +
                            "sha256sum < /mnt/lkcheck/blob | diff /tmp/lk-blob.sha - && echo same; umount /mnt/lkcheck 2>/dev/null; cryptsetup close lkcheck 2>/dev/null; true") +
            Section("BACKUP", "cat /tmp/lk-backup.out"), Long);
        var s = Split(r.Stdout);
        Timings.Report("luks keyslots: " + s["RECOVER"].Split('\n').LastOrDefault(l => l.StartsWith("Recovery finished", StringComparison.Ordinal)));

        Assert.True(s["RECOVER"].TrimEnd().EndsWith("exit 0", StringComparison.Ordinal), s["RECOVER"] + "\n--- backup:\n" + s["BACKUP"]);
        Assert.Contains("luks-header-restore", s["RECOVER"], StringComparison.Ordinal);
        Assert.DoesNotContain("luksFormat", s["RECOVER"], StringComparison.Ordinal);
        Assert.Equal("0", s["LEFT"].Trim());
        Assert.Equal("identical", s["DUMP"].Trim());
        Assert.Equal("first 0", s["FIRST"].Trim());
        Assert.Equal("second 0", s["SECOND"].Trim());
        Assert.Equal("same", s["BLOB"].Trim());
    }
}
