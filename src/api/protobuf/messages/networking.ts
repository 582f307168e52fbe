/**
 * Protobuf wire schema of networking/v1: per message, each field's JSON name, field
 * number and type, in the notation ../README.md describes. Transcribed from the descriptors kubectl
 * v1.32 carries for these packages; a field missing here is skipped by the decoder, so add it here.
 */
import type { MessageTable } from '../schema.js';

/** networking.v1 messages. */
export const NETWORKING_V1: MessageTable = {
  package: 'networking.v1',
  messages: {
    HTTPIngressPath: 'path 1; pathType 3 *string; backend 2 IngressBackend',
    HTTPIngressRuleValue: 'paths 1 []HTTPIngressPath',
    IPBlock: 'cidr 1 !string; except 2 []string',
    Ingress: 'metadata 1 meta.v1.ObjectMeta; spec 2 IngressSpec; status 3 IngressStatus',
    IngressBackend: 'service 4 IngressServiceBackend; resource 3 core.v1.TypedLocalObjectReference',
    IngressClass: 'metadata 1 meta.v1.ObjectMeta; spec 2 IngressClassSpec',
    IngressClassList: 'metadata 1 meta.v1.ListMeta; items 2 []IngressClass',
    IngressClassParametersReference:
      'apiGroup 1 *string; kind 2 !string; name 3 !string; scope 4 *string; namespace 5 *string',
    IngressClassSpec: 'controller 1; parameters 2 IngressClassParametersReference',
    IngressList: 'metadata 1 meta.v1.ListMeta; items 2 []Ingress',
    IngressLoadBalancerIngress: 'ip 1; hostname 2; ports 4 []IngressPortStatus',
    IngressLoadBalancerStatus: 'ingress 1 []IngressLoadBalancerIngress',
    IngressPortStatus: 'port 1 !int32; protocol 2 !string; error 3 *string',
    IngressRule: 'host 1; ingressRuleValue 2 ...IngressRuleValue',
    IngressRuleValue: 'http 1 HTTPIngressRuleValue',
    IngressServiceBackend: 'name 1 !string; port 2 ServiceBackendPort',
    IngressSpec:
      'ingressClassName 4 *string; defaultBackend 1 IngressBackend; tls 2 []IngressTLS; rules 3 []IngressRule',
    IngressStatus: 'loadBalancer 1 IngressLoadBalancerStatus',
    IngressTLS: 'hosts 1 []string; secretName 2',
    NetworkPolicy: 'metadata 1 meta.v1.ObjectMeta; spec 2 NetworkPolicySpec',
    NetworkPolicyEgressRule: 'ports 1 []NetworkPolicyPort; to 2 []NetworkPolicyPeer',
    NetworkPolicyIngressRule: 'ports 1 []NetworkPolicyPort; from 2 []NetworkPolicyPeer',
    NetworkPolicyList: 'metadata 1 meta.v1.ListMeta; items 2 []NetworkPolicy',
    NetworkPolicyPeer:
      'podSelector 1 meta.v1.LabelSelector; namespaceSelector 2 meta.v1.LabelSelector; ipBlock 3 IPBlock',
    NetworkPolicyPort: 'protocol 1 *string; port 2 intstr.IntOrString; endPort 3 *int32',
    NetworkPolicySpec:
      'podSelector 1 meta.v1.LabelSelector; ingress 2 []NetworkPolicyIngressRule; egress 3 []NetworkPolicyEgressRule; policyTypes 4 []string',
    ServiceBackendPort: 'name 1; number 2 int32',
  },
};
