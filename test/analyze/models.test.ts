import { describe, expect, it } from 'vitest';
import { analyze, BASE, only, spot } from './fixture.js';

describe('models', () => {
  it('warns about a model whose maxOutputTokens exceeds its contextWindow, at maxOutputTokens', () => {
    const models = BASE['models.yaml']!.replace('contextWindow: 8000, maxOutputTokens: 1000', 'contextWindow: 8000, maxOutputTokens: 16000');
    const d = only(analyze({ 'models.yaml': models }).diagnostics, 'max_output_exceeds_context');
    expect([d.severity, `${d.file}:${d.line}:${d.col}`, d.pointer]).toEqual(['warning', spot('models.yaml', models, '16000'), '/spec/maxOutputTokens']);
    expect(d.message).toContain('model `small` has `maxOutputTokens` 16000 greater than its `contextWindow` 8000');
  });

  it('accepts maxOutputTokens equal to contextWindow', () => {
    const models = BASE['models.yaml']!.replace('contextWindow: 8000, maxOutputTokens: 1000', 'contextWindow: 8000, maxOutputTokens: 8000');
    expect(analyze({ 'models.yaml': models }).diagnostics.filter((d) => d.code === 'max_output_exceeds_context')).toEqual([]);
  });
});
