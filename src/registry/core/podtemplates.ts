/**
 * core/v1 podtemplates: a stored pod template, defaulted and validated like any embedded one.
 */
import type { PodTemplate } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../api/object.js';
import { column, NAME_COLUMN } from '../common/columns.js';
import { containerCells, formatLabels } from '../common/format.js';
import { validateObjectMeta } from '../common/meta.js';
import type { ResourceStrategy } from '../types.js';
import { defaultPodSpec, validatePodTemplate } from './pod-spec.js';

function asTemplate(obj: KObject): PodTemplate {
  return obj as unknown as PodTemplate;
}

/** The podtemplates resource. */
export const podTemplatesStrategy: ResourceStrategy = {
  group: '',
  version: 'v1',
  kind: 'PodTemplate',
  resource: 'podtemplates',
  singularName: 'podtemplate',
  namespaced: true,
  defaults: (obj) => {
    const spec = asTemplate(obj).template?.spec;
    if (spec) defaultPodSpec(spec);
  },
  validate: (obj) => [
    ...validateObjectMeta(obj),
    ...validatePodTemplate(asTemplate(obj).template, 'template'),
  ],
  columns: [
    NAME_COLUMN,
    column('Containers', 'Names of each container in the template.'),
    column('Images', 'Images referenced by each container in the template.'),
    column('Pod Labels', 'The labels for the pod template.'),
  ],
  row: (obj) => {
    const t = asTemplate(obj).template;
    const [names, images] = containerCells(t?.spec?.containers);
    return [obj.metadata.name, names, images, formatLabels(t?.metadata?.labels)];
  },
};
