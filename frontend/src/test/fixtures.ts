// API objects for tests, complete and overridable.
import type { Document, DocumentVersion, Repository, Schemas } from '../api/client';

export const COMMIT = 'c0ffee'.padEnd(40, '0');

export const repository = (over: Partial<Repository> = {}): Repository => ({
  id: 'r1',
  tenant_id: 't1',
  name: 'backend',
  source: '/srv/backend',
  status: 'ready',
  chunk_count: 10,
  file_count: 3,
  symbol_count: 4,
  index_generation: 1,
  progress_done: 0,
  progress_total: 0,
  indexed_commit: COMMIT,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  ...over,
});

export const documentRow = (over: Partial<Document> = {}): Document => ({
  id: 'd1',
  tenant_id: 't1',
  repository_id: 'r1',
  repository: 'backend',
  question: 'What is the system architecture?',
  title: 'backend System Architecture',
  slug: 'what-is-the-system-architecture',
  latest_version: 1,
  commit: COMMIT,
  model: 'openai/gpt-test',
  claims_checked: 12,
  claims_removed: 3,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  ...over,
});

export const documentVersion = (over: Partial<DocumentVersion> = {}): DocumentVersion => ({
  document_id: 'd1',
  version: 1,
  commit: COMMIT,
  task_id: '0190f0e0-0000-7000-8000-000000000001',
  trace_id: '0190f0e0-0000-7000-8000-0000000000aa',
  model: 'openai/gpt-test',
  claims_checked: 12,
  claims_removed: 3,
  publication: null,
  created_at: '2026-01-01T00:00:00Z',
  markdown: '# backend System Architecture\n',
  manifest: {},
  report: {},
  ...over,
});

export const faq = (over: Partial<Schemas['Faq']> = {}): Schemas['Faq'] => ({
  id: 'f1',
  tenant_id: 't1',
  question: 'How do I get a refund?',
  answer: 'Write to **billing@example.com** within 30 days.',
  category_id: 'c1',
  tags: ['billing'],
  language: 'en',
  status: 'published',
  source: 'manual',
  origin: null,
  external_id: null,
  has_embedding: true,
  embedding_model: 'all-MiniLM-L6-v2',
  views: 12,
  helpful: 3,
  not_helpful: 1,
  answer_hits: 7,
  version: 2,
  revision: 5,
  created_by: 'u1',
  updated_by: 'u1',
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-02T00:00:00Z',
  ...over,
});

export const faqCategory = (over: Partial<Schemas['FaqCategory']> = {}): Schemas['FaqCategory'] => ({
  id: 'c1',
  tenant_id: 't1',
  parent_id: null,
  name: 'Billing',
  position: 0,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  ...over,
});

export const faqVersion = (over: Partial<Schemas['FaqVersion']> = {}): Schemas['FaqVersion'] => ({
  faq_id: 'f1',
  version: 1,
  question: 'How do I get a refund?',
  answer: 'Write to billing.',
  category_id: 'c1',
  tags: ['billing'],
  language: 'en',
  status: 'draft',
  edited_by: 'u1',
  created_at: '2026-01-01T00:00:00Z',
  ...over,
});

export const faqSuggestion = (over: Partial<Schemas['FaqSuggestion']> = {}): Schemas['FaqSuggestion'] => ({
  id: 's1',
  tenant_id: 't1',
  query: 'how do I reset my password',
  examples: ['how do I reset my password', 'forgot password', 'password reset link'],
  count: 4,
  status: 'open',
  task_id: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-02T00:00:00Z',
  ...over,
});
