using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Network;

/// <summary>Network interfaces (by MAC), addresses, routes and DNS; a clone's new network settings.</summary>
public sealed partial class NetworkTechnology : IStorageTechnology
{
    public string Name => "network";
}
