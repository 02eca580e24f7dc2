export const gatewayKeys = {
  all: ['gateway'] as const,
  stats: () => [...gatewayKeys.all, 'stats'] as const,
};
