using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage;

/// <summary>
/// One storage or boot technology (partitions, md, LUKS, LVM, a filesystem family, mounts, GRUB, EFI, network):
/// what it captures, the plan steps it adds, what it fixes in the restored system and what it needs in the rescue
/// system. Every member has a do-nothing default, so a technology implements only the phases it takes part in.
/// Implementations are listed once, in <c>Mkcdrec.Core.Registry.Technologies</c>; docs/architecture.md shows how to add one.
/// </summary>
public interface IStorageTechnology
{
    /// <summary>A short name for logs and docs ("md", "luks", "lvm").</summary>
    string Name { get; }

    /// <summary>Adds what this technology finds on the running machine to the layout (called in registry order).</summary>
    void Capture(CaptureContext context)
    {
    }

    /// <summary>
    /// The devices this technology builds in <paramref name="layout"/>, for the storage graph: what each stands on, its
    /// size, what it asks of the devices below. The centre knows disks and partitions; it learns the rest from here.
    /// </summary>
    IEnumerable<StackedDevice> DescribeDevices(LayoutDocument layout) => [];

    /// <summary>The blkid types of the devices this technology builds on ("linux_raid_member"): no filesystem to capture.</summary>
    IReadOnlyList<string> MemberSignatures => [];

    /// <summary>--disk: drops from <paramref name="layout"/> what this technology has that is not in <paramref name="keptIds"/>.</summary>
    void KeepOnly(LayoutDocument layout, IReadOnlySet<string> keptIds)
    {
    }

    /// <summary>The kinds of plan steps this technology adds, in the order it makes them (the registry orders the technologies).</summary>
    IReadOnlyList<string> StepKindOrder => [];

    /// <summary>
    /// Before the disks are mapped: adds to a copy of the layout what the recovery should build beyond the source
    /// (md: a copy of a surviving member's disk for each member a degraded array lacks).
    /// </summary>
    void CompleteLayout(LayoutCompletion completion)
    {
    }

    /// <summary>
    /// `recover --new-identifiers`, after <see cref="CompleteLayout"/>: gives this technology's devices in the planning
    /// copy of the layout fresh identifiers (UUIDs, GUIDs, signatures) and records each in <paramref name="renewal"/>.
    /// </summary>
    void RenewIdentifiers(IdentifierRenewal renewal)
    {
    }

    /// <summary>Gives the devices of this technology their paths (and sizes) on the target before any step is added.</summary>
    void PrepareDevices(PlanContext context)
    {
    }

    /// <summary>Adds this technology's steps to the recovery plan (their order comes from the central step ordering).</summary>
    void AddSteps(PlanContext context)
    {
    }

    /// <summary>
    /// The identifiers of this technology's devices that the recovery made differently from the layout (read back from
    /// the new devices); the rewrite of the restored configuration and the initramfs decision follow from them.
    /// </summary>
    IEnumerable<IdChange> ProbeIdChanges(IdProbeContext context) => [];

    /// <summary>Rewrites what the restored system's configuration says about this technology's devices.</summary>
    void RewriteConfiguration(FinalizeContext context)
    {
    }

    /// <summary>
    /// Whether the restored system's initramfs assembles or opens devices of this technology in <paramref name="layout"/>
    /// (md, LUKS, LVM): a rewrite of their configuration then means the initramfs is rebuilt.
    /// </summary>
    bool InInitramfs(LayoutDocument layout) => false;

    /// <summary>Names of this technology's devices that this machine already has and a plan must not make again (LVM: the volume groups pvs sees).</summary>
    IReadOnlyList<PresentIdentifier> FindPresentNames(Platform.IProcessRunner run) => [];

    /// <summary>The names of <paramref name="layout"/>'s devices that must be unique on a machine (LVM: volume group names).</summary>
    IEnumerable<PlannedName> UniqueNames(LayoutDocument layout) => [];

    /// <summary>Makes the restored system boot (boot loaders, firmware entries), after the initramfs.</summary>
    void InstallBootloader(FinalizeContext context)
    {
    }

    /// <summary>Applies the clone settings (new identity, network) that concern this technology.</summary>
    void ApplyClone(FinalizeContext context)
    {
    }

    /// <summary>
    /// `mkcdrec mount`: brings this technology's devices of the layout up as they are on the disks (assemble, open,
    /// activate, mount), found by their identifiers; what stands on a device not up yet is left pending for a later pass.
    /// </summary>
    void Attach(AttachContext context)
    {
    }

    /// <summary>`mkcdrec umount`: takes this technology's devices of the layout down again (called in reverse registry order).</summary>
    void Detach(AttachContext context)
    {
    }

    /// <summary>What this technology needs in the rescue system.</summary>
    IReadOnlyList<RescueComponent> RescueComponents => [];

    /// <summary>
    /// The programs this technology's plan steps run, with their packages: the executor refuses a plan whose programs are
    /// missing and names the packages. By default the programs (and their links) of its rescue components.
    /// </summary>
    IReadOnlyList<RescueProgram> StepPrograms => [.. RescueComponents.SelectMany(c => c.Programs)];

    /// <summary>
    /// Draws one of this technology's devices in `layout show` and walks on to what it holds (<see cref="LayoutTreeWriter.Children"/>);
    /// false when <paramref name="node"/> is not one of its devices.
    /// </summary>
    bool DrawTreeNode(LayoutTreeWriter tree, LayoutTreeNode node) => false;

    /// <summary>Adds the facts `layout check` compares for this technology's part of <paramref name="layout"/>.</summary>
    void AddLayoutFacts(LayoutFacts facts, LayoutDocument layout)
    {
    }
}
