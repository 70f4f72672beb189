using Mkcdrec.TestVm;

namespace Mkcdrec.SystemTests.Recover;

/// <summary>
/// Issue 3's refusals: `mkcdrec recover --layout-only --yes` refuses with a clear reason and the right exit code, and NO
/// byte changed on ANY disk: every scratch disk image is hashed on the host (all bytes) before and after, with the guest's
/// caches flushed. Each disk holds a real GPT, an ext4 signature and random bytes at its end, so a wipe or a table write
/// would show.
/// </summary>
[Collection("recreate")]
public sealed class RecoverRefusalSystemTests(RecreateGuestFixture fixture)
{
    private readonly Mkcdrec.TestVm.TestVm _vm = fixture.Vm;

    private static readonly TimeSpan Long = TimeSpan.FromMinutes(10);

    // On blank disks, one disk per background job (the guest has two CPUs): a 64 MiB partition in a GPT, ext4 in it,
    // 1 MiB of random bytes 40 MiB before the end.
    private const string Markers = """
        set -e
        pids=()
        for d in $SCRATCH_DISKS; do
            (
                set -e
                sgdisk -n1:1M:+64M -t1:8300 -c1:marker $d >/dev/null
                partx -u $d 2>/dev/null || true
                mkfs.ext4 -q -L marker ${d}1
                dd if=/dev/urandom of=$d bs=1M count=1 seek=$(( $(blockdev --getsize64 $d) / 1048576 - 40 )) conv=fsync status=none
            ) &
            pids+=($!)
        done
        for p in "${pids[@]}"; do wait $p; done
        udevadm settle
        """;

    // The source of the "too small" refusal: one ext4 partition on the 3 GiB disk holding 1.5 GiB of data (fallocate:
    // instant, counted as used).
    private const string BigSource = """
        sgdisk -n1:1M:0 -t1:8300 -c1:big $SCRATCH2 >/dev/null; partx -u $SCRATCH2 2>/dev/null || true; udevadm settle
        mkfs.ext4 -q -L big ${SCRATCH2}1; mkdir -p /mnt/big; mount ${SCRATCH2}1 /mnt/big; fallocate -l 1500M /mnt/big/data; sync
        mkcdrec layout save --disk $SCRATCH2 -o /tmp/src-big.json >/dev/null; umount /mnt/big
        """;

    /// <summary>
    /// The layouts the refusals use are captured (/tmp/src-gpt.json, /tmp/src-big.json: built once per guest, whichever
    /// refusal runs first), and every scratch disk holds the markers: written on blank disks, or still there from the
    /// previous refusal test (which changed no byte of them, as it proved).
    /// </summary>
    private void EnsureSourcesAndMarkers()
    {
        RecreateSystemTests.EnsureSource(fixture, "gpt", RecreateSystemTests.Fixtures["gpt"].Script);
        RecreateSystemTests.EnsureSource(fixture, "big", BigSource);
        if (fixture.MarkersIntact)
        {
            Timings.Report("refusal markers: still intact from the previous refusal test, reused");
            return;
        }

        var sw = System.Diagnostics.Stopwatch.StartNew();
        fixture.WipeDisks();
        _vm.RunChecked(Markers, Long);
        fixture.MarkersIntact = true;
        Timings.Report($"refusal markers: wiped and written on {_vm.ScratchDisks.Count} disks in {sw.Elapsed.TotalSeconds:F1} s");
    }

    private const string Flush = "sync; for d in $SCRATCH_DISKS; do blockdev --flushbufs $d; done; echo 3 > /proc/sys/vm/drop_caches";

    private GuestResult RefusesAndChangesNothing(string what, string command, int exitCode, params string[] says)
    {
        var intact = fixture.MarkersIntact;
        fixture.MarkersIntact = false; // until this command is proved to have changed nothing
        _vm.RunChecked(Flush);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var before = fixture.HashDisks();
        var hashTime = sw.Elapsed;
        var r = _vm.Run(command, Long);
        _vm.RunChecked(Flush);
        sw.Restart();
        var after = fixture.HashDisks();
        var hashAgain = sw.Elapsed;
        var allocated = before.Sum(h => h.Allocated) >> 20;
        var allocatedAfter = after.Sum(h => h.Allocated) >> 20;
        Timings.Report($"refusal {what}: exit {r.ExitCode} (expected {exitCode}) in {r.Duration.TotalSeconds:F1} s; " +
            $"{before.Count} disks ({RecreateGuestFixture.DiskSizes.Sum() >> 20} MiB, {allocated} MiB allocated) hashed in {hashTime.TotalSeconds:F1} s and {hashAgain.TotalSeconds:F1} s: " +
            (before.Select(h => h.Content).SequenceEqual(after.Select(h => h.Content)) ? "no byte changed" : "CHANGED") +
            (allocated == allocatedAfter ? "" : $" ({allocatedAfter} MiB allocated after: zeros written or discarded, not a change of content)"));
        Assert.True(exitCode == r.ExitCode, $"exit code {r.ExitCode}, expected {exitCode}\n{r}");
        foreach (var s in says)
        {
            Assert.Contains(s, r.Stderr, StringComparison.Ordinal);
        }

        // The logical content, not the allocation: a guest writing zeros (ext4's lazy init, a discard) changes no byte.
        Assert.Equal(before.Select(h => h.Content), after.Select(h => h.Content));
        fixture.MarkersIntact = intact;
        return r;
    }

    [Fact]
    public void Target_too_small_is_refused_with_the_numbers()
    {
        EnsureSourcesAndMarkers();
        var r = RefusesAndChangesNothing("target too small", "mkcdrec recover --layout /tmp/src-big.json --layout-only --yes --map $SCRATCH2=$SCRATCH4 --journal /tmp/j-small.json",
            7, "needs ", $" on {_vm.ScratchDisks[4]}, which has ");
        Assert.Contains("what to do", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("GiB", r.Stderr.Split("needs ")[1].Split(" on ")[0], StringComparison.Ordinal);
    }

    [Fact]
    public void An_ambiguous_mapping_is_refused_naming_the_candidates()
    {
        EnsureSourcesAndMarkers();

        // The layout of a machine whose disk is not here (another serial): two 2 GiB disks fit equally well.
        _vm.RunChecked("sed 's/\"serial\": *\"scratch0\"/\"serial\": \"from-another-machine\"/' /tmp/src-gpt.json > /tmp/src-moved.json; grep -q from-another-machine /tmp/src-moved.json");
        RefusesAndChangesNothing("ambiguous mapping", "mkcdrec recover --layout /tmp/src-moved.json --layout-only --yes --journal /tmp/j-amb.json",
            7, "ambiguous", _vm.ScratchDisks[0], _vm.ScratchDisks[1], "--map");
    }

    [Fact]
    public void Mapping_onto_the_disk_holding_the_backup_is_refused()
    {
        EnsureSourcesAndMarkers();

        // The backup is on $SCRATCH1 (mounted read-only without journal replay, so the mount itself writes nothing).
        _vm.RunChecked("mkdir -p /mnt/backup && mount -o ro,noload ${SCRATCH1}1 /mnt/backup");
        try
        {
            RefusesAndChangesNothing("mapping onto the backup disk", "mkcdrec recover --layout /tmp/src-gpt.json --layout-only --yes --backup /mnt/backup --map $SCRATCH0=$SCRATCH1 --journal /tmp/j-bk.json",
                7, _vm.ScratchDisks[1], "/mnt/backup");
        }
        finally
        {
            // The unmount comes after this test's second hash: what it leaves on $SCRATCH1 (seen once: 1 MiB more
            // allocated in its image) must not be blamed on the next refusal, which starts from fresh markers instead.
            _vm.Run("umount /mnt/backup");
            fixture.MarkersIntact = false;
        }
    }

    [Fact]
    public void A_required_tool_missing_from_PATH_is_refused_naming_it()
    {
        EnsureSourcesAndMarkers();

        // mkfs.xfs not installed (the layout has an xfs filesystem). Hiding it from PATH is not enough: the runner also
        // looks in /usr/sbin, /sbin, /usr/bin and /bin (cron's PATH lacks sbin), so the program itself is moved away.
        _vm.RunChecked("p=$(readlink -f \"$(command -v mkfs.xfs)\"); mv \"$p\" \"$p.hidden-by-test\"; ! command -v mkfs.xfs");
        try
        {
            RefusesAndChangesNothing("tool missing from PATH", "mkcdrec recover --layout /tmp/src-gpt.json --layout-only --yes --map $SCRATCH0=$SCRATCH0 --journal /tmp/j-tool.json",
                5, "mkfs.xfs", "not in PATH", "xfsprogs");
        }
        finally
        {
            _vm.Run("for f in /usr/sbin/mkfs.xfs.hidden-by-test /sbin/mkfs.xfs.hidden-by-test /usr/bin/mkfs.xfs.hidden-by-test; do [ -e \"$f\" ] && mv \"$f\" \"${f%.hidden-by-test}\"; done; command -v mkfs.xfs");
        }
    }

    [Fact]
    public void A_clone_onto_a_second_disk_while_the_source_is_attached_is_refused()
    {
        EnsureSourcesAndMarkers();

        // The source is $SCRATCH1 as the markers left it (GPT, ext4 "marker"): captured, then cloned onto $SCRATCH0 while
        // it is still attached. Its filesystem UUID, PARTUUID and disk GUID would exist twice.
        var source = _vm.ScratchDisks[1];
        _vm.RunChecked("mkcdrec layout save --disk $SCRATCH1 -o /tmp/src-attached.json >/dev/null", Long);
        var planned = _vm.Run("mkcdrec recover --layout /tmp/src-attached.json --plan --map $SCRATCH1=$SCRATCH0", Long);
        Assert.Equal(7, planned.ExitCode); // the plan is shown whole, and its exit code says recovery would refuse it
        Assert.Contains($"Disconnect {source}", planned.Stderr, StringComparison.Ordinal);
        var plan = planned.Stdout;
        Assert.Contains("\nRefused:", plan, StringComparison.Ordinal);
        Assert.Contains($"{source}1 (on {source}): UUID ", plan, StringComparison.Ordinal);

        var r = RefusesAndChangesNothing("clone while the source is attached",
            "mkcdrec recover --layout /tmp/src-attached.json --layout-only --yes --map $SCRATCH1=$SCRATCH0 --journal /tmp/j-attached.json",
            7, $"{source}1 (on {source}): UUID ", "PARTUUID", $"{source}: PTUUID", $"Disconnect {source}", "--exclude-disk does not help");
        Assert.DoesNotContain("ALL DATA", r.Stdout + r.Stderr, StringComparison.Ordinal); // refused before the confirmation
    }

    [Fact]
    public void A_resume_on_other_disks_than_the_journal_records_is_refused()
    {
        RecreateSystemTests.EnsureCaptured(fixture, "mbr");

        // A run that stops half-way (mkswap fails) leaves a journal with completed steps on $SCRATCH2.
        var r = _vm.Run("""
            mkdir -p /tmp/failbin; printf '#!/bin/sh\necho "mkswap: simulated failure" >&2\nexit 3\n' > /tmp/failbin/mkswap; chmod +x /tmp/failbin/mkswap
            rm -f /tmp/j-moved.json
            PATH=/tmp/failbin:$PATH mkcdrec recover --layout /tmp/src-mbr.json --layout-only --no-mount --yes --map $SCRATCH0=$SCRATCH2 --journal /tmp/j-moved.json
            """, Long);
        Assert.Equal(6, r.ExitCode);
        Assert.Contains("\"completedSteps\"", _vm.RunChecked("cat /tmp/j-moved.json").Stdout, StringComparison.Ordinal);

        // The journal now says those steps ran on another disk at that path (as after swapping disks between the runs).
        _vm.RunChecked("sed -i 's/\"serial\": *\"scratch2\"/\"serial\": \"swapped-out\"/' /tmp/j-moved.json; grep -q swapped-out /tmp/j-moved.json");
        RefusesAndChangesNothing("resume on other disks", "mkcdrec recover --layout /tmp/src-mbr.json --layout-only --no-mount --yes --map $SCRATCH0=$SCRATCH2 --journal /tmp/j-moved.json",
            7, "other disks than those attached now", $"{_vm.ScratchDisks[2]} was ", "serial swapped-out", "serial scratch2", "rm /tmp/j-moved.json");
    }
}
