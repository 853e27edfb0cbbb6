import { parseDocument } from 'yaml';
const lines = ['monitors:', '  - name: big', '    expect_closed: [1]', '    hosts:'];
let size = 0; for (let i = 0; size < 12*1024*1024; i++) { const l = `      - h${i}.example.com`; lines.push(l); size += l.length + 1; }
lines.push('      - 198.51.100.999'); const text = lines.join('\n') + '\n';
let t = performance.now(); const c=process.cpuUsage(); parseDocument(text, {schema:'failsafe', uniqueKeys:false}); const u=process.cpuUsage(c); console.log('parseDocument', Math.round(performance.now()-t), 'ms wall', Math.round((u.user+u.system)/1000), 'ms cpu');
