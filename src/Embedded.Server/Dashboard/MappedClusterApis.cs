using System.Runtime.CompilerServices;
using Embedded.Server.Security;
using Microsoft.AspNetCore.Routing;

namespace Embedded.Server.Dashboard;

/// <summary>
/// The authenticator each <see cref="ClusterApiEndpointRouteBuilderExtensions.MapClusterApi"/> made, by the
/// route builder it mapped on, so that the dashboard admits exactly whom the API admits.
/// </summary>
internal static class MappedClusterApis
{
    private static readonly ConditionalWeakTable<IEndpointRouteBuilder, Authenticator> Authenticators = [];

    public static void Add(IEndpointRouteBuilder endpoints, Authenticator authenticator) => Authenticators.AddOrUpdate(endpoints, authenticator);

    public static Authenticator? Find(IEndpointRouteBuilder endpoints) => Authenticators.TryGetValue(endpoints, out var found) ? found : null;
}
