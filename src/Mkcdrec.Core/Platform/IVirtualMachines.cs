namespace Mkcdrec.Core.Platform;

/// <summary>How a disk is attached: virtio-blk (/dev/vdX) or an NVMe controller of its own (/dev/nvmeXn1).</summary>
public enum VmDiskBus
{
    Virtio,
    Nvme,
}

/// <summary>One disk of a virtual machine: a raw (or qcow2) image file.</summary>
public sealed record VmDisk(string Path)
{
    public string Format { get; init; } = "raw";

    /// <summary>Shown in the guest as /dev/disk/by-id/virtio-SERIAL (at most 20 characters), or as the NVMe serial.</summary>
    public string? Serial { get; init; }

    public VmDiskBus Bus { get; init; } = VmDiskBus.Virtio;

    /// <summary>Boot from this disk first (firmware boot order).</summary>
    public bool Boot { get; init; }

    /// <summary>Attach with snapshot=on: the guest's writes never reach the file.</summary>
    public bool Snapshot { get; init; }
}

/// <summary>A virtual machine the drill (and tests) start: firmware, kernel or disk boot, disks, optical media, network.</summary>
public sealed record VmSpec
{
    /// <summary>The machine emulated: a PC (q35 or pc) for x86_64, QEMU's virt board for aarch64 (UEFI only).</summary>
    public MachineArchitecture Architecture { get; init; } = MachineArchitecture.X86_64;

    public bool Uefi { get; init; }

    /// <summary>OVMF variable store (a writable copy; kept between boots so EFI boot entries survive). UEFI only.</summary>
    public string? UefiVars { get; init; }

    /// <summary>UEFI with Secure Boot enforced: OVMF's Secure Boot build (SMM); <see cref="UefiVars"/> must hold enrolled keys.</summary>
    public bool SecureBoot { get; init; }

    public int MemoryMiB { get; init; } = 2048;

    public int Cpus { get; init; } = 2;

    /// <summary>"tcg" (software emulation, works everywhere) or "kvm".</summary>
    public string Accelerator { get; init; } = "tcg";

    /// <summary>Direct kernel boot (with <see cref="Initrd"/> and <see cref="Append"/>); null boots from the media/disks.</summary>
    public string? Kernel { get; init; }

    public string? Initrd { get; init; }

    public string? Append { get; init; }

    public IReadOnlyList<VmDisk> Disks { get; init; } = [];

    /// <summary>ISO images attached as CD-ROM drives, in order.</summary>
    public IReadOnlyList<string> CdRoms { get; init; } = [];

    /// <summary>Boot from the first CD-ROM (when no kernel is given and no disk is marked Boot).</summary>
    public bool BootFromCdRom { get; init; }

    /// <summary>
    /// A NIC on QEMU's user-mode network, isolated (restrict=on): the guest gets a DHCP lease (10.0.2.15) and reaches
    /// nothing, neither the host nor the network the host is on.
    /// </summary>
    public bool UserNetwork { get; init; }

    /// <summary>
    /// With <see cref="UserNetwork"/>: not isolated. The guest reaches the host (10.0.2.2 is the host's loopback) and what
    /// the host reaches: for a rescue system whose backup is on a server, never for a copy of a production system.
    /// </summary>
    public bool ReachesHost { get; init; }

    /// <summary>Every byte of the serial console is also written here.</summary>
    public string? SerialLog { get; init; }
}

/// <summary>A running virtual machine; its serial console is read line by line.</summary>
public interface IVirtualMachine : IDisposable
{
    /// <summary>The console lines read so far.</summary>
    IReadOnlyList<string> Lines { get; }

    /// <summary>
    /// The console text after the last complete line — where a prompt waits for its answer, as no newline follows it —
    /// with the index it will have in <see cref="Lines"/> once complete, both taken at one instant.
    /// </summary>
    (int Index, string Text) PendingLine => (Lines.Count, "");

    bool HasExited { get; }

    /// <summary>Waits for the first console line at or after index <paramref name="from"/> that satisfies
    /// <paramref name="match"/>; returns its index, or -1 when the VM exited or the time ran out first.</summary>
    int WaitForLine(Func<string, bool> match, int from, TimeSpan timeout);

    /// <summary>Waits for the VM to stop; false when it still runs after <paramref name="timeout"/>.</summary>
    bool WaitForExit(TimeSpan timeout);

    /// <summary>Types text on the serial console.</summary>
    void Send(string text);

    void Kill();
}

public interface IVirtualMachineHost
{
    /// <summary>Whether the emulator of <paramref name="architecture"/>'s machines is installed; the message names what
    /// to install when not.</summary>
    bool IsAvailable(MachineArchitecture architecture, out string? problem);

    IVirtualMachine Start(VmSpec spec);
}
