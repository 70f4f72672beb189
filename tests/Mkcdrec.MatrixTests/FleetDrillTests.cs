namespace Mkcdrec.MatrixTests;

/// <summary>The plain BIOS reference system with SSH host keys (made before its backup), backed up from inside.</summary>
public sealed class FleetSource() : MatrixCase("plain-bios", prepare: FleetDrill.Prepare);

/// <summary>The plain UEFI reference system, likewise: the fleet's UEFI machines recover its backup.</summary>
public sealed class FleetUefiSource() : MatrixCase("plain-uefi", prepare: FleetDrill.Prepare);

/// <summary>
/// Issue 18's fleet drill: N machines (SeaBIOS and OVMF in turn) with blank disks of different sizes boot by PXE from `mkcdrec serve --drill` at
/// once, recover unattended with the identities the hosts file gives them, boot the recovered systems, and each reports
/// its host name, machine-id, SSH host keys and a comparison of every file over its serial console; then each recovered
/// disk boots once more and the system's own tools list every file against the source's (<see cref="FleetDrill"/>).
/// </summary>
[Trait("case", "fleet")]
public sealed class FleetDrillTests(FleetSource bios, FleetUefiSource uefi) : IClassFixture<FleetSource>, IClassFixture<FleetUefiSource>
{
    /// <summary>The slice's: a BIOS clone and a UEFI recover at once (~12 min with both sources' backups); N = 4 runs in the whole matrix.</summary>
    [Fact]
    [Trait("slice", "fleet")]
    public void Two_machines_bios_and_uefi_recover_at_once_through_serve_each_with_its_identity() => new FleetDrill(bios, uefi).Run(2);

    [Fact]
    public void Four_machines_recover_at_once_through_serve() => new FleetDrill(bios, uefi).Run(4);

    [Fact]
    public void One_machine_recovers_through_serve() => new FleetDrill(bios, uefi).Run(1);
}
