namespace Mkcdrec.MatrixTests;

/// <summary>The passphrases are the case file's (testvm/reference/cases/luks-uefi.sh) and the test's: a test system's, not secrets.</summary>
public sealed class LuksUefi() : MatrixCase("luks-uefi", LuksPassphrase, backupPassphrase: BackupPassphrase)
{
    public const string LuksPassphrase = "correct horse battery staple";

    public const string BackupPassphrase = "luks-uefi backup passphrase";
}

/// <summary>
/// Matrix case 2: UEFI, LVM inside LUKS2 on a partition, /boot beside it, the backup encrypted. The drill gets the
/// passphrases from a keys medium (never from the rescue medium); the container comes back from the header the encrypted
/// backup kept: luksDump the same byte for byte, its second keyslot (a key file) opens it, and the recovered system's own
/// initramfs unlocks it at boot with the same passphrase as before.
/// </summary>
[Trait("case", "luks-uefi")]
public sealed class LuksUefiTests(LuksUefi source) : IClassFixture<LuksUefi>
{
    // luksDump of the container: its parameters, and a hash of all of it (salts and digests too: the kept header, not a new format).
    private const string ContainerReport = """
        #!/bin/sh
        dev=$(blkid -t TYPE=crypto_LUKS -o device | head -1)
        echo "LUKS-DEV: $dev"
        echo "DUMP-SHA: $(cryptsetup luksDump "$dev" | sha256sum | cut -c1-64)"
        cryptsetup open --test-passphrase --key-file /etc/keys/second.key "$dev"; echo "SECOND-KEY: $?"
        cryptsetup luksDump "$dev" | grep -E '^(Version|UUID|Label):|^\s+(Cipher|Cipher key|PBKDF|Memory|Threads|Time cost|Hash|Sector size):|^\s+[0-9]+: luks2' | sed 's/^\s*/DUMP /'
        echo "ROOT: $(findmnt -n -o SOURCE /)"
        echo "CRYPT: $(dmsetup table --target crypt | cut -d' ' -f1,4,5 | cut -c1-60)"
        """;

    [Fact]
    [Trait("slice", "luks-uefi")]
    public void Comes_back_with_its_container_parameters_and_unlocks_with_the_same_passphrase()
    {
        var r = source.Recover("same");
        var job = r.RunJob("container", ContainerReport);
        Assert.Equal(0, job.ExitCode);
        var c = job.Console;
        Assert.Contains("DUMP UUID:", c, StringComparison.Ordinal);
        Assert.Contains(source.Reference.Facts["LUKS_UUID"], c, StringComparison.Ordinal);
        Assert.Matches(@"DUMP Version:\s+2", c);
        Assert.Matches(@"DUMP Label:\s+refcrypt", c);
        Assert.Matches(@"DUMP Cipher:\s+aes-xts-plain64", c);
        Assert.Matches(@"DUMP Cipher key:\s+512 bits", c);
        Assert.Matches(@"DUMP PBKDF:\s+argon2id", c);
        Assert.Matches(@"DUMP Time cost:\s+4\b", c);
        Assert.Matches(@"DUMP Memory:\s+65536\b", c);
        Assert.Matches(@"DUMP Threads:\s+1\b", c);
        Assert.Contains("ROOT: /dev/mapper/refvg-root", c, StringComparison.Ordinal);
        Assert.Contains("DUMP-SHA: " + source.Reference.Facts["LUKS_DUMP_SHA"], c, StringComparison.Ordinal);
        Assert.Contains("SECOND-KEY: 0", c, StringComparison.Ordinal);

        // The recovery's log and everything it wrote stay free of the passphrase it was given (the log is copied into
        // the recovered system; secrets go to cryptsetup as files in /run, which the recovered system never sees).
        var leak = r.RunJob("no-secret-left", $"#!/bin/sh\ngrep -rlF -e '{LuksUefi.LuksPassphrase}' -e '{LuksUefi.BackupPassphrase}' /var/log /etc /root /var/lib/mkcdrec 2>/dev/null | sed 's/^/LEAK /'\nexit 0\n");
        Assert.Equal(0, leak.ExitCode);
        Assert.DoesNotContain("LEAK ", leak.Console, StringComparison.Ordinal);
    }

    /// <summary>
    /// Also issue 16's power cuts on UEFI with LUKS: the rescue machine is killed while the container is made (its kept
    /// header restored, opened, LVM inside it), in the middle of the restore and while GRUB and the firmware's boot entry
    /// are written; each next boot starts over, getting the passphrases from the keys medium again, and the last one must
    /// recover a system equal to the source that unlocks with the same passphrase.
    /// </summary>
    [Fact]
    public void Comes_back_on_a_larger_disk_after_power_cuts_during_the_recovery()
    {
        var sizes = source.Reference.DiskSizes.Select(s => s / 2 * 3 / Mkcdrec.TestVm.Size.MiB(1) * Mkcdrec.TestVm.Size.MiB(1)).ToList();
        var r = source.Recover("1.5x", sizes, drillOptions: ["--power-cut", "layout+6", "--power-cut", "restore+10", "--power-cut", "finalize+4"]);
        Assert.Equal(sizes, r.DiskSizes);
        var cuts = r.Drill.Report.GetProperty("powerCuts").EnumerateArray().Select(c => c.GetString()!).ToList();
        MatrixCase.Log("[luks-uefi/1.5x] " + string.Join(" | ", cuts));
        Assert.Equal(["layout", "restore", "finalize"], cuts.Select(c => c[..c.IndexOf('+', StringComparison.Ordinal)]));
        var job = r.RunJob("container", ContainerReport);
        Assert.Contains("DUMP-SHA: " + source.Reference.Facts["LUKS_DUMP_SHA"], job.Console, StringComparison.Ordinal);
        Assert.Contains("SECOND-KEY: 0", job.Console, StringComparison.Ordinal);
    }
}
