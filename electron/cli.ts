export async function main(argv: string[]): Promise<number> {
  console.log('loupe', argv.join(' '));
  return 0;
}
